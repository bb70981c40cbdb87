/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DDA_SURVEY_TREE_H
#define DDA_SURVEY_TREE_H

struct dda_host;

/* The scanned host as a tree of root buses and bridges, to stdout: one
 * line per function (text, like `lspci -tv`) or a Graphviz digraph with a
 * box per IOMMU group.  Runs of like siblings print as one counted node.
 * -ENOMEM only. */
int cli_survey_tree(const struct dda_host *h);
int cli_survey_dot(const struct dda_host *h);

#endif
