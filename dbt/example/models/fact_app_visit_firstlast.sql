{{ activation_layer.activation_snapshot(ref('fact_app_visit')) }}
