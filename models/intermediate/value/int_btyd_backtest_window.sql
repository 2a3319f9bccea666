{#- The backtest window: from as_of_date to the earlier of the last order date in
    the input and the end of the CLV horizon. 0 days when no order is later. -#}
with orders as (
    select * from {{ ref('stg_input__orders') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

window_end as (
    select
        run_context.as_of_date,
        {#- least() skips nulls in DuckDB: no later order means no window. -#}
        case
            when max(orders.order_date) is null then run_context.as_of_date
            else least(
                max(orders.order_date),
                cast(run_context.as_of_date
                    + to_days(cast(round({{ clv_period_days() }}
                        * {{ var('clv_horizon_periods') }}) as integer)) as date)
            )
        end as backtest_end_date
    from run_context
    left join orders
        on orders.order_date > run_context.as_of_date
    group by run_context.as_of_date
),

final as (
    select
        as_of_date,
        backtest_end_date,
        coalesce(
            {{ dbt.datediff('as_of_date', 'backtest_end_date', 'day') }}, 0
        ) as backtest_days
    from window_end
)

select * from final
