-- One row: the report's headline numbers over every conversation loaded (spam left out).
with conversations as (
    select * from {{ ref('kustomer__conversation_metrics') }} where not is_spam
),

sla as (
    select
        count(distinct conversation_id) as sla_conversations,
        count(distinct case when is_breached then conversation_id end) as sla_breached_conversations
    from {{ ref('kustomer__sla_metrics') }}
),

totals as (
    select
        count(*) as conversations,
        sum(case when is_open then 1 else 0 end) as open_now,
        min(created_day) as first_day,
        max(created_day) as last_day,
        {{ kustomer_median('first_reply_time_calendar_minutes') }}
            as median_first_reply_calendar_minutes,
        {{ kustomer_median('first_reply_time_business_minutes') }}
            as median_first_reply_business_minutes,
        {{ kustomer_median('full_resolution_calendar_minutes') }}
            as median_full_resolution_calendar_minutes,
        {{ kustomer_median('full_resolution_business_minutes') }}
            as median_full_resolution_business_minutes,
        sum(case when is_rated then 1 else 0 end) as rated,
        sum(case when is_satisfied then 1 else 0 end) as satisfied,
        avg(satisfaction_rating) as avg_rating,
        sum(case when is_fcr_eligible then 1 else 0 end) as fcr_eligible,
        sum(case when is_first_contact_resolution then 1 else 0 end) as first_contact_resolutions,
        sum(case when is_sla_breached then 1 else 0 end) as sla_breached,
        sum(count_agent_replies) as agent_replies,
        avg(cast(message_count as {{ kustomer_type_double() }})) as avg_messages
    from conversations
)

select
    t.conversations,
    t.open_now,
    t.first_day,
    t.last_day,
    t.median_first_reply_calendar_minutes,
    t.median_first_reply_business_minutes,
    t.median_full_resolution_calendar_minutes,
    t.median_full_resolution_business_minutes,
    t.rated,
    case when t.rated > 0 then cast(100.0 * t.satisfied / t.rated as {{ kustomer_type_double() }}) end as csat_pct,
    t.avg_rating,
    t.fcr_eligible,
    case when t.fcr_eligible > 0 then cast(100.0 * t.first_contact_resolutions / t.fcr_eligible as {{ kustomer_type_double() }}) end
        as fcr_pct,
    s.sla_conversations,
    s.sla_breached_conversations,
    t.sla_breached,
    t.agent_replies,
    t.avg_messages
from totals as t
cross join sla as s
