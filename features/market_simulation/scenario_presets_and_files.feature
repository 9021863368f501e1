@epic:market-simulation @feature:scenario-presets-and-files
@allure.label.epic:market-simulation @allure.label.feature:scenario-presets-and-files
@needs:control @needs:clock
Feature: Named scenarios and scenario files set the market a team needs
  The product's named scenarios are presets; a team keeps its own market conditions as a scenario file
  (YAML or JSON) with a model, settings, symbols and events at given times.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:range
  Scenario: A range-bound market stays near its price
    Given the "range" scenario
    And prices update every second
    When 2 hours pass
    Then ACME trades within 2% of $50.00
    And a price chart of ACME is attached to the report

  @allure.label.story:trending
  Scenario: A trending market climbs
    Given the "trending" scenario
    And prices update every second
    When 3 hours pass
    Then ACME has risen by at least 0.5%
    And a price chart of ACME is attached to the report

  @allure.label.story:scenario-files @allure.severity:critical
  Scenario: A team's scenario file halts one symbol and crashes another on schedule
    Given the market conditions in the scenario file "choppy-open.yaml"
    When 2.5 minutes pass
    Then XYZ is halted
    And ACME is trading
    When 3.5 minutes pass
    Then XYZ is trading
    And ACME has fallen by at least 3%
    And a price chart of ACME is attached to the report

  @allure.label.story:scenario-files
  Scenario: The same scenario file and seed give the same prices
    Given the market conditions in the scenario file "choppy-open.yaml"
    When 10 minutes pass
    Then replaying the scenario with the same seed gives the same ACME prices
    And replaying the scenario with another seed gives other ACME prices
