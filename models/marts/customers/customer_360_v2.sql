{#- One row per person the warehouse knows (buyers and prospects) with every
    measure: publishes int_customer_360 (doc block customer_360) and, for each
    buyer, the backtest horizon status of the purchase model in use (the
    is_selected row of int_btyd_model_selection, published as
    btyd_model_selection). -#}
with customer_360 as (
    select * from {{ ref('int_customer_360') }}
),

selection as (
    select * from {{ ref('int_btyd_model_selection') }}
),

selected_model as (
    select backtest_horizon_status
    from selection
    where is_selected
),

final as (
    select
        customer_360.*,
        selected_model.backtest_horizon_status as purchase_model_backtest_status
    from customer_360
    left join selected_model
        on customer_360.purchase_model is not null
)

select * from final
order by customer_id
