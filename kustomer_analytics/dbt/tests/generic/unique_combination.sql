{#- Combinations of `columns` that occur on more than one row (the model's grain broken). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_it
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
