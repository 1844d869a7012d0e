"""季度/年度考核 (工作规范 三(一)(二)): results computed from 考勤, 巡查, 入户, 请假 and
the 八个统一 inspections; each 街镇 sets its own weights and grades."""
