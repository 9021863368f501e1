@epic:scenarios @feature:seed-sweeps
@allure.label.epic:scenarios @allure.label.feature:seed-sweeps
@needs:clock @needs:control @needs:fills
Feature: Outcomes that depend on chance hold across many seeds
  One seed shows one market. A seed sweep replays the scenario's Given and When steps under many seeds
  (the run's master seed and the ones after it) and says how often the outcome held: "in at least 95% of
  200 seeds". When too few held, it names the failing seeds, each with the command that shows it in full.

  @allure.label.story:product-example @allure.severity:critical
  Scenario: The product example holds in nearly every market
    Given a flash crash
    When I submit a market order
    Then in at least 95% of 200 seeds it fills with slippage above 50 bps

  @allure.label.story:random-rejections
  Scenario: A venue that refuses one order in ten still fills most of them
    Given the venue rejects 10% of orders
    When I submit a market order
    Then in at least 80% of 100 seeds the order is filled
