-- Per conversation: its live messages counted by who sent them.
select
    conversation_id,
    sum(case when is_agent_reply then 1 else 0 end) as count_agent_replies,
    sum(case when is_customer_message then 1 else 0 end) as count_customer_messages,
    min(case when is_customer_message then sent_at end) as first_customer_message_at
from {{ ref('stg_kustomer__messages') }}
where not is_deleted and conversation_id is not null
group by conversation_id
