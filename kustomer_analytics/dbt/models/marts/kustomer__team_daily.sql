-- One row per team and UTC day with any activity (a conversation counts for its first assigned
-- team, '(no team)' without one): conversations created, resolved and first-contact resolved,
-- agent replies, the median first reply time of the day's new conversations, routed handle time
-- and CSAT.
with conversations as (
    select *, coalesce(team_id, '(no team)') as team_key
    from {{ ref('kustomer__conversation_metrics') }}
    where not is_spam
),

created as (
    select
        created_day as day,
        team_key as team_id,
        count(*) as conversations_created,
        {{ kustomer_median('first_reply_time_calendar_minutes') }}
            as median_first_reply_calendar_minutes,
        {{ kustomer_median('first_reply_time_business_minutes') }}
            as median_first_reply_business_minutes
    from conversations
    group by created_day, team_key
),

resolved as (
    select
        {{ kustomer_utc_date('resolved_at') }} as day,
        team_key as team_id,
        count(*) as conversations_resolved,
        sum(case when is_fcr_eligible then 1 else 0 end) as fcr_eligible,
        sum(case when is_first_contact_resolution then 1 else 0 end) as first_contact_resolutions,
        {{ kustomer_median('full_resolution_business_minutes') }}
            as median_full_resolution_business_minutes
    from conversations
    where resolved_at is not null
    group by {{ kustomer_utc_date('resolved_at') }}, team_key
),

replies as (
    select
        {{ kustomer_utc_date('m.sent_at') }} as day,
        coalesce(m.team_id, c.team_key) as team_id,
        count(*) as replies
    from {{ ref('stg_kustomer__messages') }} as m
    inner join conversations as c on c.conversation_id = m.conversation_id
    where m.is_agent_reply and not m.is_deleted and m.sent_at is not null
    group by {{ kustomer_utc_date('m.sent_at') }}, coalesce(m.team_id, c.team_key)
),

handled as (
    select
        {{ kustomer_utc_date('handled_at') }} as day,
        coalesce(team_id, '(no team)') as team_id,
        count(*) as work_items_handled,
        sum(cast(handle_ms as {{ kustomer_type_double() }})) / 60000.0 as handle_time_minutes
    from {{ ref('stg_kustomer__work_items') }}
    where handled_at is not null
    group by {{ kustomer_utc_date('handled_at') }}, coalesce(team_id, '(no team)')
),

csat as (
    select day, team_id, count(*) as rated, sum(case when is_positive then 1 else 0 end) as positive
    from {{ ref('kustomer__csat') }}
    group by day, team_id
),

keys as (
    select day, team_id from created
    union select day, team_id from resolved
    union select day, team_id from replies
    union select day, team_id from handled
    union select day, team_id from csat
)

select
    k.day,
    k.team_id,
    coalesce(t.team_name, k.team_id) as team_name,
    coalesce(c.conversations_created, 0) as conversations_created,
    coalesce(r.conversations_resolved, 0) as conversations_resolved,
    coalesce(r.fcr_eligible, 0) as fcr_eligible,
    coalesce(r.first_contact_resolutions, 0) as first_contact_resolutions,
    coalesce(p.replies, 0) as replies,
    c.median_first_reply_calendar_minutes,
    c.median_first_reply_business_minutes,
    r.median_full_resolution_business_minutes,
    coalesce(h.work_items_handled, 0) as work_items_handled,
    coalesce(h.handle_time_minutes, 0) as handle_time_minutes,
    coalesce(q.rated, 0) as rated,
    coalesce(q.positive, 0) as positive,
    case when q.rated > 0 then cast(100.0 * q.positive / q.rated as {{ kustomer_type_double() }}) end as csat_pct
from keys as k
left join {{ ref('stg_kustomer__teams') }} as t on t.team_id = k.team_id
left join created as c on c.day = k.day and c.team_id = k.team_id
left join resolved as r on r.day = k.day and r.team_id = k.team_id
left join replies as p on p.day = k.day and p.team_id = k.team_id
left join handled as h on h.day = k.day and h.team_id = k.team_id
left join csat as q on q.day = k.day and q.team_id = k.team_id
