-- Teams with the name to show.
with teams as (
    {{ kustomer_source('teams', [('id', 'text'), ('name', 'text'), ('display_name', 'text')]) }}
)

select id as team_id, coalesce(display_name, name, id) as team_name
from teams
