-- One row per agent reply that answered customer messages: the exchange from the first customer
-- message waiting since the previous agent reply to this reply, in calendar and business minutes.
with messages as (
    select m.*
    from {{ ref('stg_kustomer__messages') }} as m
    inner join {{ ref('kustomer__conversation_metrics') }} as c
        on c.conversation_id = m.conversation_id
    where not m.is_deleted and m.sent_at is not null
),

ordered as (
    select
        message_id,
        conversation_id,
        sent_at,
        is_agent_reply,
        is_customer_message,
        agent_id,
        team_id,
        sum(case when is_agent_reply then 1 else 0 end) over (
            partition by conversation_id
            order by sent_at, message_id
            rows between unbounded preceding and current row
        ) as replies_so_far
    from messages
),

waiting as (
    select
        conversation_id,
        replies_so_far as answered_by,
        min(sent_at) as customer_message_at,
        count(*) as customer_messages
    from ordered
    where is_customer_message and not is_agent_reply
    group by conversation_id, replies_so_far
),

replies as (
    select
        o.message_id,
        o.conversation_id,
        o.replies_so_far as reply_number,
        o.sent_at as replied_at,
        o.agent_id,
        o.team_id,
        w.customer_message_at,
        w.customer_messages
    from ordered as o
    inner join waiting as w
        on w.conversation_id = o.conversation_id and w.answered_by = o.replies_so_far - 1
    where o.is_agent_reply
),

spans as (
    select message_id as span_id, customer_message_at as start_at, replied_at as end_at
    from replies
),

{{ kustomer_business_minutes('spans', ref('stg_kustomer__schedule_hours'), ref('stg_kustomer__holidays'), into='business') }}

select
    r.message_id,
    r.conversation_id,
    r.reply_number,
    r.customer_message_at,
    r.customer_messages,
    r.replied_at,
    {{ kustomer_utc_date('r.replied_at') }} as replied_day,
    coalesce(r.agent_id, c.assignee_id) as agent_id,
    coalesce(r.team_id, c.team_id) as team_id,
    {{ kustomer_minutes_between('r.customer_message_at', 'r.replied_at') }}
        as reply_time_calendar_minutes,
    cast(b.business_minutes as {{ kustomer_type_double() }}) as reply_time_business_minutes
from replies as r
inner join {{ ref('kustomer__conversation_metrics') }} as c on c.conversation_id = r.conversation_id
left join business as b on b.span_id = r.message_id
