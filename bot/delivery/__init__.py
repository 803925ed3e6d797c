"""Moving messages: the durable inbox of inbound events, the paced ticket outbox, and replies with retries."""
