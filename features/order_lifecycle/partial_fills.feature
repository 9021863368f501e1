@epic:order-lifecycle @feature:partial-fills
@allure.label.epic:order-lifecycle @allure.label.feature:partial-fills
@needs:control @needs:fills
Feature: Orders the book cannot absorb at once fill in parts
  When each match may take only part of what remains, an order fills over several matches;
  a thin book fills what it offers and leaves the rest working.

  Background:
    Given the account "alice" with $1,000,000 cash

  @allure.label.story:partial-fill-ratio @allure.severity:critical
  Scenario: An order limited to half of what remains per match is partly filled at first
    Given each match fills at most 50% of what remains
    When alice buys 1,000 ACME at market
    Then the order is partially filled

  @allure.label.story:partial-fill-ratio
  @needs:clock
  Scenario: Given time, a partially filled order completes
    Given each match fills at most 50% of what remains
    When alice buys 1,000 ACME at market
    And 1 minute passes
    Then the order is filled
    And alice holds 1,000 ACME
    And alice's cash reconciles with the fills

  @allure.label.story:thin-book
  Scenario: A day order in a thin book fills what is offered and keeps working
    Given only 1,000 ACME are offered
    When alice buys 3,000 ACME at market
    Then 1,000 shares are filled
    And the order is still open
    And alice holds 1,000 ACME
