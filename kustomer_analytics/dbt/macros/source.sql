{#- A table of the loaded dataset with the columns a model reads: a column dlt never created (no
    record had a value for it yet) reads as a typed NULL, and a table that was not loaded reads as
    no rows, so every model builds on any org, whatever it loaded.

    columns: a list of (name, type) with type one of text, timestamp, bigint, double, bool, json
    (dlt's data types). -#}
{% macro kustomer_source(table, columns) %}
  {%- set src = source('kustomer', table) -%}
  {%- set ns = namespace(exists=true, present=[]) -%}
  {%- if execute -%}
    {%- set relation = adapter.get_relation(database=src.database, schema=src.schema, identifier=src.identifier) -%}
    {%- if relation is none -%}
      {%- set ns.exists = false -%}
    {%- else -%}
      {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- set ns.present = ns.present + [column.name | lower] -%}
      {%- endfor -%}
    {%- endif -%}
  {%- else -%}
    {%- for name, type in columns -%}{%- set ns.present = ns.present + [name] -%}{%- endfor -%}
  {%- endif -%}
  select
  {%- for name, type in columns %}
    {% if ns.exists and name in ns.present -%}
      {{ kustomer_ident(name) }}
    {%- else -%}
      cast(null as {{ kustomer_type(type) }})
    {%- endif %} as {{ kustomer_ident(name) }}{% if not loop.last %},{% endif %}
  {%- endfor %}
  {% if ns.exists -%} from {{ src }} {%- else -%} where 1 = 0 {%- endif %}
{% endmacro %}
