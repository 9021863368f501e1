@epic:scenarios @feature:determinism
@allure.label.epic:scenarios @allure.label.feature:determinism
@needs:control @needs:clock
Feature: The same seed gives the same market
  Every scenario runs with its own seed, derived from the master seed and the scenario's place in the
  features. Running it again with that seed gives the same prices; another seed gives other prices.

  @allure.label.story:replay @allure.severity:critical
  Scenario: A calm market replays exactly with the same seed
    Given a normal market
    When 10 minutes pass
    Then replaying the scenario with the same seed gives the same ACME prices

  @allure.label.story:replay
  Scenario: A volatile market with a flash crash replays exactly with the same seed
    Given a volatile market
    And a flash crash
    When 5 minutes pass
    Then replaying the scenario with the same seed gives the same ACME prices

  @allure.label.story:replay
  Scenario: Another seed gives another market
    Given a volatile market
    When 10 minutes pass
    Then replaying the scenario with another seed gives other ACME prices

  @allure.label.story:rerun @allure.severity:critical
  @needs:fills
  Scenario: A whole scenario, orders and all, reruns to the same fills with the same seed
    Given the account "alice" with $1,000,000 cash
    And a volatile market
    And orders take between 20 ms and 60 ms to reach the venue, with a heavy tail
    When alice buys 2,000 ACME at market
    And 3 minutes pass
    And alice places these orders:
      | side | shares | type  | limit price | time in force      |
      | sell | 500    | limit | $50.10      | good till canceled |
      | buy  | 300    | market|             |                    |
    And 5 minutes pass
    Then a rerun of the scenario with the same seed gives the same fills
    And alice's cash reconciles with the fills
