{#- The purchase-model backtest origins, one row each; docs block
    btyd_backtest_origins. Days are counted from the first order date (L = the
    history up to as_of_date), H = btyd_backtest_days (default the CLV horizon),
    m = btyd_backtest_min_days, Y = btyd_backtest_min_calibration_days,
    K = btyd_backtest_origins.
    external: orders exist after as_of_date; one origin, as_of_date, whose
    holdout runs to the earlier of the last order date and as_of_date + H.
    internal: no later orders; the models are refitted at K origins. An origin
    calibrated on c days predicts min(H, L - c) days (the holdout is shortened,
    never the calibration), so c is admissible when c >= min(H, ceil(L / 2))
    (calibration at least as long as the holdout), c >= min(Y, L - m) (a
    seasonal year where the data allows) and L - c >= m. The K origins split
    the admissible span into K + 1 equal steps (neither edge: the edges are the
    shortest calibration and the shortest holdout, the worst cases).
    none: no admissible origin; one row, not evaluable. -#}
{%- set origins = btyd_backtest_origins_var() | int -%}
{%- set min_days = btyd_backtest_min_days_var() | int -%}
{%- set min_calibration_days = btyd_backtest_min_calibration_days_var() | int -%}
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
        ) as integer) as horizon_days,
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

history as (
    select
        *,
        cast(
            {{ dbt.datediff(
                'first_order_date',
                'as_of_date',
                'day'
            ) }} as integer
        ) as history_days
    from order_span
),

admissible as (
    select
        *,
        greatest(
            least({{ min_calibration_days }}, history_days - {{ min_days }}),
            least(horizon_days, cast(floor((history_days + 1) / 2.0) as integer))
        ) as earliest_calibration_days,
        history_days - {{ min_days }} as latest_calibration_days
    from history
),

internal_steps as (
    {%- for j in range(1, origins + 1) %}
        select
            admissible.*,
            admissible.earliest_calibration_days + cast(floor(
                {{ j }} * (
                    admissible.latest_calibration_days
                    - admissible.earliest_calibration_days
                )
                / {{ (origins + 1) ~ '.0' }}
            ) as integer) as calibration_days
        from admissible
        where
            admissible.last_later_order_date is null
            and admissible.earliest_calibration_days
            <= admissible.latest_calibration_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

internal_origins as (
    select distinct
        as_of_date,
        'internal' as backtest_kind,
        horizon_days,
        history_days,
        first_order_date,
        cast(
            {{ dbt.dateadd('day', 'calibration_days', 'first_order_date') }} as date
        ) as calibration_end_date,
        cast(least(
            {{ dbt.dateadd(
                'day', 'calibration_days + horizon_days', 'first_order_date'
            ) }},
            as_of_date
        ) as date) as backtest_end_date
    from internal_steps
),

single_origin as (
    select
        as_of_date,
        case
            when last_later_order_date is not null then 'external' else 'none'
        end as backtest_kind,
        horizon_days,
        history_days,
        first_order_date,
        as_of_date as calibration_end_date,
        cast(case
            when last_later_order_date is not null
                then least(
                        last_later_order_date,
                        {{ dbt.dateadd('day', 'horizon_days', 'as_of_date') }}
                    )
            else as_of_date
        end as date) as backtest_end_date
    from admissible
    where
        last_later_order_date is not null
        or earliest_calibration_days > latest_calibration_days
        or history_days is null
),

origins as (
    select * from internal_origins
    union all
    select * from single_origin
),

final as (
    select
        cast(row_number() over (order by calibration_end_date desc) as integer)
            as origin_index,
        as_of_date,
        backtest_kind,
        first_order_date,
        calibration_end_date,
        backtest_end_date,
        cast(
            {{ dbt.datediff('first_order_date', 'calibration_end_date', 'day') }}
            as integer
        ) as calibration_days,
        cast(
            {{ dbt.datediff('calibration_end_date', 'backtest_end_date', 'day') }}
            as integer
        ) as backtest_days,
        horizon_days,
        history_days,
        case
            when {{ dbt.datediff('calibration_end_date', 'backtest_end_date', 'day') }}
                < {{ min_days }} then 'too_short'
            when {{ dbt.datediff('calibration_end_date', 'backtest_end_date', 'day') }}
                < horizon_days then 'shortened'
            else 'full'
        end as backtest_horizon_status
    from origins
)

select * from final
