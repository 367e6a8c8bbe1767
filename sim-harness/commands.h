/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/commands.h - the `twain` subcommands (docs/contracts.md). Each takes its
 * own argv (argv[0] is the subcommand's name) and returns the process exit code:
 * 0 success, 1 an expectation or replay failed, 2 bad input.
 */
#ifndef TWAIN_SIM_HARNESS_COMMANDS_H
#define TWAIN_SIM_HARNESS_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_fuzz_repro(int argc, char **argv);
int cmd_ops(int argc, char **argv);
int cmd_layout(int argc, char **argv);

#endif /* TWAIN_SIM_HARNESS_COMMANDS_H */
