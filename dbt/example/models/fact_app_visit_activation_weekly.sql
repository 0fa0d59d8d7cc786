{{ activation_layer.activation_states(ref('fact_app_visit'), grain='week', snapshot=ref('fact_app_visit_firstlast')) }}
