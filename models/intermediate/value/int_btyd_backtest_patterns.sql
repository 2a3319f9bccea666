{#- Per backtest origin: the distinct (frequency, recency, t) patterns of its
    customers, with their count. The backtest refits and predictions read these
    (a few thousand rows per origin whatever the number of customers); the
    customers get their pattern's prediction back in SQL. -#}
with backtest_summary as (
    select * from {{ ref('int_btyd_backtest_summary') }}
),

final as (
    select
        origin_index,
        frequency,
        recency,
        t,
        cast(count(*) as integer) as customers
    from backtest_summary
    group by origin_index, frequency, recency, t
)

select * from final
