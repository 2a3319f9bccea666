{%- set sources_to_audit = validated_sources() -%}

with
{% for source_name, model in sources_to_audit %}
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
    {% for source_name, model in sources_to_audit %}
        select * from {{ source_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
order by source_name, source_row_number
