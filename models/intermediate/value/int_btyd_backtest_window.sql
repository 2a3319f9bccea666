{#- The backtest window, one row; see the docs block btyd_backtest_kind.
    external: orders exist after as_of_date; the window runs from as_of_date to
    the earlier of the last order date and the end of the CLV horizon.
    internal: no later orders; the models are refitted on the calibration
    period up to as_of_date minus btyd_backtest_days (default: the CLV horizon)
    and the window is (calibration_end_date, as_of_date].
    none: not even that (the calibration period would hold no purchase). -#}
with orders as (
    select * from {{ ref('stg_input__orders') }}
),

run_context as (
    select * from {{ ref('int_run_context') }}
),

order_span as (
    select
        run_context.as_of_date,
        cast(coalesce(
            run_context.btyd_backtest_days,
            round(run_context.clv_period_days * run_context.clv_horizon_periods)
        ) as integer) as window_days,
        min(orders.order_date) as first_order_date,
        max(case
            when orders.order_date > run_context.as_of_date then orders.order_date
        end) as last_later_order_date
    from run_context
    left join orders
        on true
    group by
        run_context.as_of_date, run_context.btyd_backtest_days,
        run_context.clv_period_days, run_context.clv_horizon_periods
),

kinds as (
    select
        as_of_date,
        window_days,
        case
            when last_later_order_date is not null then 'external'
            when {{ dbt.dateadd('day', 'window_days', 'first_order_date') }}
                < as_of_date then 'internal'
            else 'none'
        end as backtest_kind,
        last_later_order_date
    from order_span
),

windows as (
    select
        as_of_date,
        backtest_kind,
        cast(case backtest_kind
            when 'internal' then {{ dbt.dateadd('day', '-window_days', 'as_of_date') }}
            else as_of_date
        end as date) as calibration_end_date,
        cast(case backtest_kind
            when 'external'
                then least(
                        last_later_order_date,
                        {{ dbt.dateadd('day', 'window_days', 'as_of_date') }}
                    )
            else as_of_date
        end as date) as backtest_end_date
    from kinds
),

final as (
    select
        *,
        {{ dbt.datediff('calibration_end_date', 'backtest_end_date', 'day') }}
            as backtest_days
    from windows
)

select * from final
