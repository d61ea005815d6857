-- The schedule business minutes count in: the variable kustomer_schedule_id, else the org's
-- default schedule, else its oldest. One row, or none when no schedule was loaded.
with schedules as (
    {{ kustomer_source('schedules', [
        ('id', 'text'), ('name', 'text'), ('default', 'bool'), ('timezone', 'text'),
        ('hours', 'json'), ('created_at', 'timestamp')]) }}
)

select
    id as schedule_id,
    name as schedule_name,
    timezone as time_zone,
    hours
from schedules
{% if var('kustomer_schedule_id') %}
where id = '{{ var("kustomer_schedule_id") }}'
{% endif %}
order by case when {{ kustomer_ident('default') }} then 0 else 1 end, created_at, id
limit 1
