{{ config(post_hook=["{{ warn_on_rejected_rows(this) }}"]) }}

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
        (select count(*) from {{ source('input', source_name) }}) as input_rows,
        count(*) filter (where is_accepted) as accepted_rows,
        count(*) filter (where not is_accepted) as rejected_rows
    from {{ ref(model) }}
),
{% endfor %}

final as (
    {% for source_name, model in validated_sources %}
    select * from {{ source_name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    source_name,
    input_rows,
    accepted_rows,
    rejected_rows,
    case
        when input_rows > 0 then rejected_rows / input_rows
    end as rejected_share
from final
order by source_name
