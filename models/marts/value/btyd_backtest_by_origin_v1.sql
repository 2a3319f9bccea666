{#- Publishes int_btyd_backtest_by_origin: every backtest origin and purchase
    model (docs on the mart). -#}
with by_origin as (
    select * from {{ ref('int_btyd_backtest_by_origin') }}
),

final as (
    select * from by_origin
)

select * from final
order by origin_index, purchase_model
