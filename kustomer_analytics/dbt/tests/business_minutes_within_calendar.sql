-- A span never has more business minutes than calendar minutes.
select conversation_id
from {{ ref('kustomer__conversation_metrics') }}
where first_reply_time_business_minutes > first_reply_time_calendar_minutes + 0.001
   or first_resolution_business_minutes > first_resolution_calendar_minutes + 0.001
   or full_resolution_business_minutes > full_resolution_calendar_minutes + 0.001
