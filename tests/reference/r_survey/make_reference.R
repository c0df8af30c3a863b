# Reference numbers for opinion.survey from R's `survey` package (Lumley).
#
# Run from this folder:  Rscript make_reference.R
# Writes: api*.csv (R's own api data), sim_survey.csv (simulated, fixed seed),
#         results.csv (case, quantity, term, value), weights_*.csv, repweights_*.csv,
#         versions.txt.  Python tests only read these files (CI has no R).
suppressMessages(library(survey))
options(digits = 17, survey.lonely.psu = "fail")
data(api)

out <- list()
add <- function(case, quantity, term, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = quantity,
                                        term = as.character(term), value = as.numeric(value))
}
add_stat <- function(case, st, deff_replace = NULL, deff_wor = NULL) {
  add(case, "estimate", names(coef(st)), coef(st))
  add(case, "se", names(coef(st)), SE(st))
  if (!is.null(deff_replace)) add(case, "deff_replace", names(coef(st)), deff(deff_replace))
  if (!is.null(deff_wor)) add(case, "deff", names(coef(st)), deff(deff_wor))
}
add_mean <- function(case, f, d, wor = TRUE) {
  add_stat(case, svymean(f, d), svymean(f, d, deff = "replace"),
           if (wor) svymean(f, d, deff = TRUE) else NULL)
}
add_total <- function(case, f, d, wor = TRUE) {
  add_stat(case, svytotal(f, d), svytotal(f, d, deff = "replace"),
           if (wor) svytotal(f, d, deff = TRUE) else NULL)
}
add_by <- function(case, f, by, d, FUN = svymean) {
  r <- svyby(f, by, d, FUN, deff = "replace")
  lev <- as.character(r[[1]])
  est <- coef(r); se <- as.numeric(as.matrix(SE(r)))
  add(case, "estimate", names(est), est)
  add(case, "se", names(est), se)
  dcols <- grep("^DEff", names(r))
  add(case, "deff_replace", names(est), as.numeric(as.matrix(as.data.frame(r)[, dcols])))
}
add_chisq <- function(case, f, d) {
  fs <- svychisq(f, d, statistic = "F")
  cs <- svychisq(f, d, statistic = "Chisq")
  add(case, "F", "statistic", fs$statistic)
  add(case, "F", "ndf", fs$parameter[["ndf"]])
  add(case, "F", "ddf", fs$parameter[["ddf"]])
  add(case, "F", "p_value", fs$p.value)
  add(case, "Chisq", "statistic", cs$statistic)   # Pearson X^2 on the table scaled to n
  add(case, "Chisq", "df", cs$parameter[["df"]])
  add(case, "Chisq", "p_value", cs$p.value)
}
add_ciprop <- function(case, f, d) {
  ci <- svyciprop(f, d, method = "logit")
  add(case, "estimate", "p", coef(ci))
  add(case, "ci", c("lower", "upper"), attr(ci, "ci"))
  add(case, "df", "df", degf(d))
}
add_weights <- function(name, d) {
  write.csv(data.frame(w = weights(d)), paste0("weights_", name, ".csv"), row.names = FALSE)
}

# ---------------------------------------------------------------- api data
keep <- c("cds", "stype", "dnum", "snum", "api00", "api99", "enroll", "sch.wide",
          "comp.imp", "awards", "yr.rnd", "pw", "fpc")
write.csv(apistrat[, keep], "apistrat.csv", row.names = FALSE)
write.csv(apiclus1[, keep], "apiclus1.csv", row.names = FALSE)

## stratified, no clusters, fpc
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
add_mean("strat_mean", ~api00 + enroll, dstrat)
add_total("strat_total", ~enroll, dstrat)
add_mean("strat_prop", ~sch.wide, dstrat)
add_total("strat_prop_total", ~sch.wide, dstrat)
add_by("strat_by", ~api00, ~awards, dstrat)
add_by("strat_by_prop", ~sch.wide, ~yr.rnd, dstrat)
add_chisq("strat_chisq", ~sch.wide + comp.imp, dstrat)
add_chisq("strat_chisq_3x2", ~stype + awards, dstrat)
add_ciprop("strat_ciprop", ~I(sch.wide == "Yes"), dstrat)

## one-stage cluster sample, fpc
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
add_mean("clus1_mean", ~api00 + api99, dclus1)
add_total("clus1_total", ~enroll, dclus1)
add_mean("clus1_prop", ~stype, dclus1)
add_by("clus1_by", ~api00, ~stype, dclus1)
add_chisq("clus1_chisq", ~sch.wide + stype, dclus1)
add_ciprop("clus1_ciprop", ~I(sch.wide == "Yes"), dclus1)
add_ciprop("clus1_ciprop_E", ~I(stype == "E"), dclus1)

pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

ps1 <- postStratify(dclus1, ~stype, pop.types)
add_weights("clus1_ps", ps1)
add_mean("clus1_ps_mean", ~api00, ps1)
add_total("clus1_ps_total", ~enroll, ps1)
add_mean("clus1_ps_prop", ~sch.wide, ps1)
add_by("clus1_ps_by", ~api00, ~sch.wide, ps1)

rk1 <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
            control = list(maxit = 500, epsilon = 1e-14))
add_weights("clus1_rake", rk1)
add_mean("clus1_rake_mean", ~api00 + enroll, rk1)
add_total("clus1_rake_total", ~enroll, rk1)
add_mean("clus1_rake_prop", ~comp.imp, rk1)
add_by("clus1_rake_by", ~api00, ~stype, rk1)
add_chisq("clus1_rake_chisq", ~comp.imp + stype, rk1)

cal1 <- calibrate(dclus1, ~stype + api99, c(6194, 755, 1018, 3914069), calfun = "linear")
add_weights("clus1_cal", cal1)
add_mean("clus1_cal_mean", ~api00, cal1)
add_total("clus1_cal_total", ~enroll, cal1)
add_mean("clus1_cal_prop", ~sch.wide, cal1)

## replicate weights: JK1 (deterministic) and bootstrap (random, weights exported)
jk1 <- as.svrepdesign(dclus1, type = "JK1")
add_mean("clus1_jk1_mean", ~api00 + enroll, jk1)
add_total("clus1_jk1_total", ~enroll, jk1)
add_mean("clus1_jk1_prop", ~stype, jk1)
add(case = "clus1_jk1", quantity = "scale", term = "scale", value = jk1$scale)
jk1rk <- rake(jk1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
              control = list(maxit = 500, epsilon = 1e-14))
add_mean("clus1_jk1_rake_mean", ~api00, jk1rk, wor = FALSE)
add_mean("clus1_jk1_rake_prop", ~comp.imp, jk1rk, wor = FALSE)
jk1cal <- calibrate(jk1, ~stype + api99, c(6194, 755, 1018, 3914069), calfun = "linear")
add_mean("clus1_jk1_cal_mean", ~api00, jk1cal, wor = FALSE)
jk1ps <- postStratify(jk1, ~stype, pop.types)
add_mean("clus1_jk1_ps_mean", ~api00, jk1ps, wor = FALSE)

set.seed(20261101)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
write.csv(weights(boot, "analysis"), "repweights_clus1_boot.csv", row.names = FALSE)
add(case = "clus1_boot", quantity = "scale", term = "scale", value = boot$scale)
add_mean("clus1_boot_mean", ~api00 + enroll, boot, wor = FALSE)
add_total("clus1_boot_total", ~enroll, boot, wor = FALSE)
add_mean("clus1_boot_prop", ~stype, boot, wor = FALSE)
add_by("clus1_boot_by", ~api00, ~stype, boot)
add_chisq("clus1_boot_chisq", ~sch.wide + stype, boot)

## JKn on the stratified design
jkn <- as.svrepdesign(dstrat, type = "JKn")
add_mean("strat_jkn_mean", ~api00, jkn, wor = FALSE)
add_total("strat_jkn_total", ~enroll, jkn, wor = FALSE)

# ---------------------------------------------------------------- simulated survey
set.seed(20261102)
H <- 5
Npsu <- c(120, 80, 150, 60, 100)
npsu <- c(8, 6, 10, 5, 7)
regions <- c("North", "East", "South", "West", "Central")
rows <- list()
id <- 0
for (h in 1:H) {
  for (j in 1:npsu[h]) {
    m <- sample(15:35, 1)
    u <- rnorm(1, 0, 0.5)
    psu_w <- Npsu[h] / npsu[h] * runif(1, 1.5, 3)
    age <- sample(c("18-29", "30-44", "45-64", "65+"), m, replace = TRUE,
                  prob = c(0.12, 0.22, 0.36, 0.30) * exp(c(0, 0.2 * u, 0, -0.2 * u)))
    sex <- sample(c("F", "M"), m, replace = TRUE, prob = c(0.56, 0.44))
    educ <- sample(c("HS or less", "Some college", "BA+"), m, replace = TRUE,
                   prob = c(0.25, 0.30, 0.45))
    lin <- u + 0.5 * (age %in% c("18-29", "30-44")) - 0.4 * (educ == "HS or less") + 0.3 * (sex == "F")
    pA <- plogis(lin - 0.2); pB <- plogis(-lin - 0.3) * (1 - pA)
    r <- runif(m)
    vote <- ifelse(r < pA, "A", ifelse(r < pA + pB, "B", "Undecided"))
    approve <- rbinom(m, 1, plogis(0.3 * lin))
    income <- round(exp(rnorm(m, 10.5 + 0.3 * (educ == "BA+") + 0.1 * u, 0.6)))
    trust <- sample(1:4, m, replace = TRUE)
    trust[runif(m) < 0.06] <- NA
    rows[[length(rows) + 1]] <- data.frame(
      id = id + seq_len(m), region = regions[h], psu = paste0(substr(regions[h], 1, 1), j),
      npsu_pop = Npsu[h], w = round(psu_w * runif(m, 0.8, 1.25), 4),
      age = age, sex = sex, educ = educ, vote = vote, approve = approve,
      income = income, trust = trust)
    id <- id + m
  }
}
sim <- do.call(rbind, rows)
write.csv(sim, "sim_survey.csv", row.names = FALSE, na = "")

dsim <- svydesign(id = ~psu, strata = ~region, weights = ~w, fpc = ~npsu_pop, data = sim)
add_mean("sim_mean", ~income + approve, dsim)
add_total("sim_total", ~income, dsim)
add_mean("sim_prop", ~vote, dsim)
add(case = "sim_trust", quantity = "estimate", term = "trust",
    value = coef(svymean(~trust, dsim, na.rm = TRUE)))
add(case = "sim_trust", quantity = "se", term = "trust",
    value = SE(svymean(~trust, dsim, na.rm = TRUE)))
add(case = "sim_trust", quantity = "deff_replace", term = "trust",
    value = deff(svymean(~trust, dsim, na.rm = TRUE, deff = "replace")))
add_ciprop("sim_ciprop", ~I(vote == "A"), dsim)
add_chisq("sim_chisq", ~vote + age, dsim)

# population margins (counts) for raking / calibration
Npop <- 1e6
pop.age <- data.frame(age = c("18-29", "30-44", "45-64", "65+"), Freq = Npop * c(0.20, 0.25, 0.33, 0.22))
pop.sex <- data.frame(sex = c("F", "M"), Freq = Npop * c(0.51, 0.49))
pop.educ <- data.frame(educ = c("BA+", "HS or less", "Some college"), Freq = Npop * c(0.35, 0.37, 0.28))
write.csv(rbind(data.frame(variable = "age", category = pop.age$age, target = pop.age$Freq),
                data.frame(variable = "sex", category = pop.sex$sex, target = pop.sex$Freq),
                data.frame(variable = "educ", category = pop.educ$educ, target = pop.educ$Freq)),
          "sim_targets.csv", row.names = FALSE)

rks <- rake(dsim, list(~age, ~sex, ~educ), list(pop.age, pop.sex, pop.educ),
            control = list(maxit = 1000, epsilon = 1e-15))
add_weights("sim_rake", rks)
add_mean("sim_rake_mean", ~income + approve, rks)
add_total("sim_rake_total", ~income, rks)
add_mean("sim_rake_prop", ~vote, rks)
add_by("sim_rake_by", ~vote, ~sex, rks)
add_by("sim_rake_by_region", ~income, ~region, rks)
add_chisq("sim_rake_chisq", ~vote + age, rks)
add_ciprop("sim_rake_ciprop", ~I(vote == "A"), rks)
# lead of A over B (same respondents): contrast of the two proportions
pv <- svymean(~vote, rks)
lead <- svycontrast(pv, c(voteA = 1, voteB = -1))
add("sim_rake_lead", "estimate", "A-B", coef(lead))
add("sim_rake_lead", "se", "A-B", SE(lead))
# subgroup difference (F minus M) with the full design covariance, via svyglm
sims <- svyglm(I(vote == "A") ~ relevel(factor(sex), ref = "M"), design = rks)
add("sim_rake_sexdiff", "estimate", "F-M", coef(sims)[2])
add("sim_rake_sexdiff", "se", "F-M", SE(sims)[2])
add("sim_rake_sexdiff", "df", "df", sims$df.residual)

# raking through calibrate(calfun = "raking") gives the same weights (greg-type variance)
cr <- calibrate(dsim, ~age + sex + educ,
                c(`(Intercept)` = Npop, `age30-44` = 0.25 * Npop, `age45-64` = 0.33 * Npop,
                  `age65+` = 0.22 * Npop, sexM = 0.49 * Npop, `educHS or less` = 0.37 * Npop,
                  `educSome college` = 0.28 * Npop), calfun = "raking", epsilon = 1e-13, maxit = 200)
add_weights("sim_calrake", cr)
add_mean("sim_calrake_prop", ~vote, cr)
add_mean("sim_calrake_mean", ~income, cr)

# linear calibration on age + sex + educ + income total
cl <- calibrate(dsim, ~age + sex + educ + income,
                c(`(Intercept)` = Npop, `age30-44` = 0.25 * Npop, `age45-64` = 0.33 * Npop,
                  `age65+` = 0.22 * Npop, sexM = 0.49 * Npop, `educHS or less` = 0.37 * Npop,
                  `educSome college` = 0.28 * Npop, income = 4.6e10), calfun = "linear")
add_weights("sim_cal", cl)
add_mean("sim_cal_mean", ~approve, cl)
add_mean("sim_cal_prop", ~vote, cl)
add_total("sim_cal_total", ~approve, cl)
add_by("sim_cal_by", ~approve, ~age, cl)

# post-stratification on age x sex
pop.agesex <- expand.grid(age = pop.age$age, sex = pop.sex$sex, stringsAsFactors = FALSE)
pop.agesex$Freq <- Npop * c(0.10, 0.13, 0.17, 0.12, 0.10, 0.12, 0.16, 0.10)
write.csv(pop.agesex, "sim_agesex_targets.csv", row.names = FALSE)
pss <- postStratify(dsim, ~age + sex, pop.agesex)
add_weights("sim_ps", pss)
add_mean("sim_ps_prop", ~vote, pss)
add_mean("sim_ps_mean", ~income, pss)
add_by("sim_ps_by", ~vote, ~educ, pss)

# trimming (R trimWeights: additive redistribution to untrimmed units)
tr <- trimWeights(dsim, upper = 80, lower = 20)
add_weights("sim_trim", tr)

# JKn replicate design, raked replicate by replicate
sjkn <- as.svrepdesign(dsim, type = "JKn")
add_mean("sim_jkn_prop", ~vote, sjkn, wor = FALSE)
sjknr <- rake(sjkn, list(~age, ~sex, ~educ), list(pop.age, pop.sex, pop.educ),
              control = list(maxit = 1000, epsilon = 1e-15))
add_mean("sim_jkn_rake_prop", ~vote, sjknr, wor = FALSE)
add_mean("sim_jkn_rake_mean", ~income, sjknr, wor = FALSE)
add_by("sim_jkn_rake_by", ~vote, ~sex, sjknr)
add_chisq("sim_jkn_rake_chisq", ~vote + age, sjknr)

# BRR: two PSUs per stratum (first two PSUs of each region)
sim2 <- sim[sim$psu %in% c(paste0(substr(regions, 1, 1), 1), paste0(substr(regions, 1, 1), 2)), ]
d2 <- svydesign(id = ~psu, strata = ~region, weights = ~w, data = sim2)
brr <- as.svrepdesign(d2, type = "BRR")
write.csv(weights(brr, "analysis"), "repweights_sim_brr.csv", row.names = FALSE)
write.csv(data.frame(id = sim2$id), "repweights_sim_brr_ids.csv", row.names = FALSE)
add(case = "sim_brr", quantity = "scale", term = "scale", value = brr$scale)
add_mean("sim_brr_prop", ~vote, brr, wor = FALSE)
add_mean("sim_brr_mean", ~income, brr, wor = FALSE)

res <- do.call(rbind, out)
write.csv(res, "results.csv", row.names = FALSE)
writeLines(c(R.version.string, paste("survey", as.character(packageVersion("survey")))),
           "versions.txt")
cat("wrote", nrow(res), "reference values\n")
