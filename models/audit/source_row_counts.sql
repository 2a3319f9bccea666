{{ config(post_hook=["{{ warn_on_rejected_rows(this) }}"]) }}

{%- set sources_to_audit = validated_sources() -%}

with
{% for source_name, model in sources_to_audit %}
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
    {% for source_name, model in sources_to_audit %}
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
