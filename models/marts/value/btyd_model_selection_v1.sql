{#- Deprecated version of btyd_model_selection (v2 adds the origin pooling and
    horizon columns); same rows. -#}
with selection as (
    select * from {{ ref('int_btyd_model_selection') }}
),

final as (
    select
        purchase_model,
        status,
        log_likelihood,
        backtest_kind,
        backtest_customers,
        predicted_purchases,
        actual_purchases,
        relative_total_error,
        mae,
        is_selected,
        purchase_model_var,
        selection_reason
    from selection
)

select * from final
order by purchase_model
