// Allure 3 configuration (`npx allure generate reports/allure-results -o reports/allure-report`).
// Results of every behave target go into one allure-results folder; tools/label_target.py gives
// each result a `target` label, and each target becomes its own Allure environment below, so the
// same scenario run in-process and over HTTP shows twice, once per environment, never as a retry.
import { readFileSync } from "node:fs";

const categories = JSON.parse(
  readFileSync(new URL("./tools/allure/categories.json", import.meta.url), "utf-8"),
);

const targetIs = (value) => ({ labels }) =>
  labels.some((label) => label.name === "target" && label.value === value);

// The targets of this run (the Makefile sets MOCKBROKER_TARGETS); results of any other target
// fall into Allure's default environment.
const targets = (process.env.MOCKBROKER_TARGETS ?? "inprocess")
  .split(/[\s,]+/)
  .filter((target) => /^[A-Za-z0-9_.-]+$/.test(target));

export default {
  name: "mockbroker acceptance",
  output: "reports/allure-report",
  historyPath: "reports/allure-history.jsonl",
  historyLimit: 50,
  categories: { rules: categories },
  environments: Object.fromEntries(
    targets.map((target) => [target, { name: target, matcher: targetIs(target) }]),
  ),
  plugins: {
    awesome: {
      options: {
        reportName: "mockbroker acceptance",
        groupBy: ["epic", "feature", "story"],
        singleFile: false,
      },
    },
  },
};
