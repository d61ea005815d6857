-- One row per agent and UTC day with any activity: replies sent, conversations replied to and
-- resolved (the agent marked them done last), first contact resolutions, reply times, routed work
-- items and their handle time, time available in routing, and CSAT of the conversations the agent
-- resolved.
with conversations as (
    select * from {{ ref('kustomer__conversation_metrics') }} where not is_spam
),

replies as (
    select
        {{ kustomer_utc_date('m.sent_at') }} as day,
        m.agent_id,
        count(*) as replies,
        count(distinct m.conversation_id) as conversations_replied
    from {{ ref('stg_kustomer__messages') }} as m
    inner join conversations as c on c.conversation_id = m.conversation_id
    where m.is_agent_reply and not m.is_deleted and m.agent_id is not null
        and m.sent_at is not null
    group by {{ kustomer_utc_date('m.sent_at') }}, m.agent_id
),

reply_times as (
    select
        replied_day as day,
        agent_id,
        count(*) as replies_to_customers,
        avg(reply_time_calendar_minutes) as avg_reply_time_calendar_minutes,
        avg(reply_time_business_minutes) as avg_reply_time_business_minutes
    from {{ ref('kustomer__message_replies') }}
    where agent_id is not null
    group by replied_day, agent_id
),

resolved as (
    select
        {{ kustomer_utc_date('last_resolved_at') }} as day,
        resolved_by_id as agent_id,
        count(*) as conversations_resolved,
        sum(case when is_fcr_eligible then 1 else 0 end) as fcr_eligible,
        sum(case when is_first_contact_resolution then 1 else 0 end) as first_contact_resolutions
    from conversations
    where status = 'done' and resolved_by_id is not null and last_resolved_at is not null
    group by {{ kustomer_utc_date('last_resolved_at') }}, resolved_by_id
),

csat as (
    select
        day,
        agent_id,
        count(*) as rated,
        sum(case when is_positive then 1 else 0 end) as positive
    from {{ ref('kustomer__csat') }}
    where agent_id is not null
    group by day, agent_id
),

handled as (
    select
        {{ kustomer_utc_date('handled_at') }} as day,
        agent_id,
        count(*) as work_items_handled,
        sum(cast(handle_ms as {{ kustomer_type_double() }})) / 60000.0 as handle_time_minutes
    from {{ ref('stg_kustomer__work_items') }}
    where agent_id is not null and handled_at is not null
    group by {{ kustomer_utc_date('handled_at') }}, agent_id
),

available as (
    select
        {{ kustomer_utc_date('started_at') }} as day,
        agent_id,
        sum(cast(available_ms as {{ kustomer_type_double() }})) / 60000.0 as available_minutes
    from {{ ref('stg_kustomer__work_sessions') }}
    where agent_id is not null and started_at is not null
    group by {{ kustomer_utc_date('started_at') }}, agent_id
),

keys as (
    select day, agent_id from replies
    union select day, agent_id from resolved
    union select day, agent_id from csat
    union select day, agent_id from handled
    union select day, agent_id from available
)

select
    k.day,
    k.agent_id,
    coalesce(u.user_name, k.agent_id) as agent_name,
    coalesce(r.replies, 0) as replies,
    coalesce(r.conversations_replied, 0) as conversations_replied,
    coalesce(rt.replies_to_customers, 0) as replies_to_customers,
    rt.avg_reply_time_calendar_minutes,
    rt.avg_reply_time_business_minutes,
    coalesce(s.conversations_resolved, 0) as conversations_resolved,
    coalesce(s.fcr_eligible, 0) as fcr_eligible,
    coalesce(s.first_contact_resolutions, 0) as first_contact_resolutions,
    coalesce(h.work_items_handled, 0) as work_items_handled,
    coalesce(h.handle_time_minutes, 0) as handle_time_minutes,
    coalesce(a.available_minutes, 0) as available_minutes,
    coalesce(q.rated, 0) as rated,
    coalesce(q.positive, 0) as positive,
    case when q.rated > 0 then cast(100.0 * q.positive / q.rated as {{ kustomer_type_double() }}) end as csat_pct
from keys as k
left join {{ ref('stg_kustomer__users') }} as u on u.user_id = k.agent_id
left join replies as r on r.day = k.day and r.agent_id = k.agent_id
left join reply_times as rt on rt.day = k.day and rt.agent_id = k.agent_id
left join resolved as s on s.day = k.day and s.agent_id = k.agent_id
left join handled as h on h.day = k.day and h.agent_id = k.agent_id
left join available as a on a.day = k.day and a.agent_id = k.agent_id
left join csat as q on q.day = k.day and q.agent_id = k.agent_id
