{{ activation_layer.activation_transitions(ref('fact_app_visit'), grain='week', snapshot=ref('fact_app_visit_firstlast')) }}
