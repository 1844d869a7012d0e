"""消息: in-app notices of what needs a person (leave to decide, a decision, 逾期未销假,
整改, 超时未归), stored as rows when the thing happens, read in the portal, shown by
the browser while a tab is open, and sent as a daily e-mail digest where the office
has an SMTP relay."""
