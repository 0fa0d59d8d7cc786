{{ activation_layer.activation_depth(ref('fact_app_visit'), grain='week', snapshot=ref('fact_app_visit_firstlast')) }}
