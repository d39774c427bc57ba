"""The signed webhook endpoints: Zendesk and Jira deliveries, verified, parsed and stored once."""
