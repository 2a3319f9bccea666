with fits as (
    select * from {{ ref('int_btyd_fitted') }}
),

parameter_names as (
    select
        listed.model_name,
        listed.parameter_name,
        listed.parameter_order
    from (
        values
        ('bg_nbd', 'r', 1), ('bg_nbd', 'alpha', 2), ('bg_nbd', 'a', 3),
        ('bg_nbd', 'b', 4), ('pareto_nbd', 'r', 1), ('pareto_nbd', 'alpha', 2),
        ('pareto_nbd', 's', 3), ('pareto_nbd', 'beta', 4), ('gamma_gamma', 'p', 1),
        ('gamma_gamma', 'q', 2), ('gamma_gamma', 'gamma', 3)
    ) as listed (model_name, parameter_name, parameter_order)
),

final as (
    select
        fits.model_name,
        parameter_names.parameter_name,
        cast(parameter_names.parameter_order as integer) as parameter_order,
        {{ json_number(
            'cast(fits.parameters as string)', 'parameter_names.parameter_name'
        ) }} as parameter_value,
        {{ json_number(
            'cast(fits.standard_errors as string)', 'parameter_names.parameter_name'
        ) }} as standard_error,
        cast(fits.log_likelihood as double) as log_likelihood,
        cast(fits.training_rows as integer) as n_customers,
        cast(fits.time_unit as string) as time_unit,
        cast(fits.as_of_date as date) as as_of_date,
        cast(fits.status as string) as status,
        cast(fits.message as string) as message,
        cast(fits.frequency_spend_correlation as double) as frequency_spend_correlation,
        cast(fits.model_run_id as string) as model_run_id
    from fits
    inner join parameter_names
        on fits.model_name = parameter_names.model_name
    where fits.fit_role = 'scoring'
)

select * from final
order by model_name, parameter_order
