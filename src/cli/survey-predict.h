/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DDA_SURVEY_PREDICT_H
#define DDA_SURVEY_PREDICT_H

struct dda_ctx;
struct dda_predict_opts;

/* survey --predict: the predicted groups of the tree under ctx's root,
 * as text (group by group, each function's reason, its difference from
 * the baseline marked) or, with arg_json, the report's JSON.  Returns the
 * exit status. */
int cli_survey_predict(struct dda_ctx *ctx, const struct dda_predict_opts *opts);

#endif
