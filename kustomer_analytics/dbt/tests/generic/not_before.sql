{#- Rows where `column_name` is earlier than `other` (a time that cannot precede another). -#}
{% test not_before(model, column_name, other) %}
select *
from {{ model }}
where {{ column_name }} < {{ other }}
{% endtest %}
