{#- Publishes int_btyd_model_selection: which purchase model customer_clv uses
    and why, from the backtest pooled over its origins (docs on the mart). -#}
with selection as (
    select * from {{ ref('int_btyd_model_selection') }}
),

final as (
    select * from selection
)

select * from final
order by purchase_model
