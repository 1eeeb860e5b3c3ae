"""What the tests use and do not test: a throwaway PostgreSQL cluster (``postgres_cluster``),
local web pages to fetch (``webpages``), and Discord objects built for unit tests
(``helpers``). Test files under ``tests/`` only test."""
