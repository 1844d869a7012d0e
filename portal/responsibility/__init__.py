"""包社区、包网格, 定人定格定责 (通知 工作要求 三(一)(二), 八个一 三): who answers for each
community and grid, the leaders' monthly supervision log, and the 网格责任人公示."""
