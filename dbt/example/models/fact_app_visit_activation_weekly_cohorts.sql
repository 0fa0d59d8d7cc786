{{ activation_layer.activation_cohorts(ref('fact_app_visit'), grain='week', snapshot=ref('fact_app_visit_firstlast')) }}
