-- One row per UTC day from the first conversation to the last event: conversations opened and
-- resolved that day and open at its end (spam left out; open and snoozed ones stay open).
with conversations as (
    select created_day, resolved_at
    from {{ ref('kustomer__conversation_metrics') }}
    where not is_spam
),

events as (
    select created_day as day, 1 as opened, 0 as resolved from conversations
    union all
    select {{ kustomer_utc_date('resolved_at') }} as day, 0 as opened, 1 as resolved
    from conversations
    where resolved_at is not null
),

daily as (
    select day, sum(opened) as opened, sum(resolved) as resolved
    from events
    group by day
),

bounds as (
    select min(day) as first_day, max(day) as last_day from events
),

numbers as (
    {{ kustomer_integers(5) }}
),

days as (
    select cast({{ dbt.dateadd('day', 'n.n', 'b.first_day') }} as date) as day
    from bounds as b
    cross join numbers as n
    where n.n <= {{ dbt.datediff('b.first_day', 'b.last_day', 'day') }}
)

select
    d.day,
    coalesce(e.opened, 0) as opened,
    coalesce(e.resolved, 0) as resolved,
    sum(coalesce(e.opened, 0) - coalesce(e.resolved, 0)) over (
        order by d.day rows between unbounded preceding and current row
    ) as open_at_end_of_day
from days as d
left join daily as e on e.day = d.day
