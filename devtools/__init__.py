"""Development and test tooling: start RabbitMQ, a local SMTP sink and the five services as
separate processes. Used by `make run`, `make demo`, the cross-service tests and the bench."""
