-- The business schedule's enabled holidays: closed from start_at to end_at (as landed).
with holidays as (
    {{ kustomer_source('holidays', [
        ('id', 'text'), ('schedule_id', 'text'), ('name', 'text'), ('enabled', 'bool'),
        ('start_date', 'timestamp'), ('end_date', 'timestamp')]) }}
)

select
    h.id as holiday_id,
    h.name as holiday_name,
    h.start_date as start_at,
    h.end_date as end_at
from holidays as h
inner join {{ ref('stg_kustomer__business_schedule') }} as s on s.schedule_id = h.schedule_id
where coalesce(h.enabled, true) and h.start_date is not null and h.end_date is not null
