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

// The targets of this run (the Makefile sets MOCKBROKER_TARGETS).
const targets = (process.env.MOCKBROKER_TARGETS ?? "inprocess")
  .split(/[\s,]+/)
  .filter((target) => /^[A-Za-z0-9_-]+$/.test(target));

// Allure always lists an environment with the id "default" (results no matcher claims land there). The
// first target takes that id, under its own name, so the report never shows an empty "default" tab.
const environments = Object.fromEntries(
  targets.map((target, index) => [
    index === 0 ? "default" : target,
    { name: target, matcher: targetIs(target) },
  ]),
);

// Link templates for the tags @allure.issue:ID and @allure.tms:ID (tools/label_target.py reads this export and
// writes the URLs into the results; "%s" is the ID). Set them for your tracker in CI's environment.
export const linkTemplates = {
  issue: process.env.MOCKBROKER_ISSUE_URL ?? "https://github.com/mockbroker/mockbroker/issues/%s",
  tms: process.env.MOCKBROKER_TMS_URL ?? "https://github.com/mockbroker/mockbroker/wiki/test-cases#%s",
};

export default {
  name: "mockbroker acceptance",
  output: "reports/allure-report",
  // `make report` and `make test` keep histories of their own (they run different targets), so a trend never
  // jumps because the other command ran; an aborted run is read against the history but not added to it.
  historyPath: process.env.MOCKBROKER_HISTORY ?? "reports/history/report.jsonl",
  appendHistory: process.env.MOCKBROKER_APPEND_HISTORY !== "0",
  historyLimit: 50,
  categories: { rules: categories },
  environments,
  plugins: {
    awesome: {
      options: {
        reportName: "mockbroker acceptance",
        groupBy: ["epic", "feature", "story"],
        singleFile: false,
        // every scenario on the Timeline, however short (in-process ones take a few milliseconds)
        timeline: { minDuration: 0 },
      },
    },
  },
};
