{#- One row per customer who bought on or before as_of_date: the probability of no
    purchase in the next churn_window_days days, scored in SQL from the published
    model's coefficient table (int_churn_model_fitted, record_type 'coefficient'),
    on the scoring features of int_customer_features_at_feature_dates:
    p = 1 / (1 + exp(-eta)), eta = intercept + sum_f b_f (slog1p(coalesce(v_f,
    m_f)) - c_f) / s_f + sum_f b'_f [v_f is null] + b_stage, slog1p(v) = sign(v)
    ln(1 + |v|). A published baseline is a one-feature table of the same form
    (recency_days or bgnbd_expected_purchases). Doc block churn_model. -#}
{#- the model's inputs and the baselines' (a published baseline is one of them) -#}
{%- set features = (
    var('churn_numeric_features') + ['recency_days', 'bgnbd_expected_purchases']
) | unique | list -%}

with churn_run as {{ inline_cte() }} (
    select * from {{ ref('int_churn_model_fitted') }}
),

features as (
    select * from {{ ref('int_customer_features_at_feature_dates') }}
),

scoring_rows as (
    select *
    from features
    where feature_date_index = 0
),

coefficients as (
    select *
    from churn_run
    where record_type = 'coefficient'
),

published as (
    select
        max(churn_run.model_version) as model_version,
        max(case when churn_run.term_kind = 'intercept' then churn_run.coefficient end)
            as intercept
    from churn_run
    where churn_run.record_type = 'coefficient'
    having count(*) > 0
),

numeric_terms as (
    select
        {% for feature in features %}
            {% set is_numeric = "term_kind = 'numeric' and feature = '"
                ~ feature ~ "'" %}
            {% set is_missing = "term_kind = 'missing_indicator' and feature = '"
                ~ feature ~ "'" %}
            max(case when {{ is_numeric }} then coefficient end)
                as {{ feature }}__coefficient,
            max(case when {{ is_numeric }} then impute_value end)
                as {{ feature }}__impute_value,
            max(case when {{ is_numeric }} then center end)
                as {{ feature }}__center,
            max(case when {{ is_numeric }} then scale end)
                as {{ feature }}__scale,
            max(case when {{ is_missing }} then coefficient end)
                as {{ feature }}__missing_coefficient{% if not loop.last %},{% endif %}
        {% endfor %}
    from coefficients
),

category_terms as (
    select
        category_value,
        coefficient
    from coefficients
    where term_kind = 'category'
),

linear_predictors as (
    select
        scoring_rows.customer_id,
        scoring_rows.feature_date,
        published.model_version,
        published.intercept
        {% for feature in features %}
            + coalesce(
                numeric_terms.{{ feature }}__coefficient
                * (
                    {{ signed_log1p(
                        'coalesce(scoring_rows.' ~ feature
                        ~ ', numeric_terms.' ~ feature ~ '__impute_value)'
                    ) }}
                    - numeric_terms.{{ feature }}__center
                )
                / numeric_terms.{{ feature }}__scale,
                0
            )
            + case
                when scoring_rows.{{ feature }} is null
                    then coalesce(numeric_terms.{{ feature }}__missing_coefficient, 0)
                else 0
            end
        {% endfor %}
        + coalesce(category_terms.coefficient, 0) as linear_predictor
    from scoring_rows
    cross join published
    cross join numeric_terms
    left join category_terms
        on scoring_rows.lifecycle_stage = category_terms.category_value
),

probabilities as (
    select
        customer_id,
        feature_date,
        model_version,
        1 / (1 + exp(-linear_predictor)) as churn_probability
    from linear_predictors
),

ranked as (
    select
        probabilities.*,
        row_number() over (
            order by probabilities.churn_probability, probabilities.customer_id
        ) - 1 as risk_rank,
        count(*) over () as scored_customers
    from probabilities
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(churn_probability as double) as churn_probability,
        cast(floor(risk_rank * 10.0 / scored_customers) + 1 as integer)
            as risk_decile,
        feature_date as scored_as_of,
        cast(model_version as string) as model_version
    from ranked
)

select * from final
