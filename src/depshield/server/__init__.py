"""The GitHub App service: webhooks in, a durable queue, workers that comment and check."""
