"""依申请公开: the register of information requests and the annual report in the unified format."""
