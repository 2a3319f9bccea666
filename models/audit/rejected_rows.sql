{%- set validated_sources = [
    ('orders', 'base_input__orders'),
    ('customers', 'base_input__customers'),
    ('touchpoints', 'base_input__touchpoints'),
    ('survey_responses', 'base_input__survey_responses'),
    ('marketing_spend', 'base_input__marketing_spend'),
] -%}

with
{% for source_name, model in validated_sources %}
{{ source_name }} as (
    select
        '{{ source_name }}' as source_name,
        source_file,
        source_row_number,
        record_key,
        rejected_column,
        rejection_reason as reason,
        raw_values
    from {{ ref(model) }}
    where not is_accepted
),
{% endfor %}

final as (
    {% for source_name, model in validated_sources %}
    select * from {{ source_name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
order by source_name, source_row_number
