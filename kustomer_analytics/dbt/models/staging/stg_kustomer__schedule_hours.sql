-- The business schedule's weekly opening hours, one row per interval of a weekday: Kustomer keeps
-- them as JSON, {"0": [[open, close], ...], ... "6": ...}, 0 = Sunday, minutes after local
-- midnight, null on a closed day.
{%- set slots = var('kustomer_max_intervals_per_day') | int %}
with schedule as (
    select * from {{ ref('stg_kustomer__business_schedule') }}
),

intervals as (
    {% for day in range(7) %}{% for slot in range(slots) %}
    select
        schedule_id,
        time_zone,
        {{ day }} as day_of_week,
        {{ slot }} as slot,
        {{ kustomer_json_int('hours', [day | string, slot, 0]) }} as open_minute,
        {{ kustomer_json_int('hours', [day | string, slot, 1]) }} as close_minute
    from schedule
    {% if not loop.last %}union all{% endif %}
    {% endfor %}{% if not loop.last %}union all{% endif %}{% endfor %}
)

select schedule_id, time_zone, day_of_week, slot, open_minute, close_minute
from intervals
where open_minute is not null and close_minute is not null and close_minute > open_minute
