@epic:state @feature:saved-states
@allure.label.epic:state @allure.label.feature:saved-states
@needs:control @needs:clock @needs:snapshots
Feature: Scenarios start from a saved broker state
  A saved state (tests/fixtures/snapshots/<name>.yaml) sets up accounts, positions, orders and the time of day in
  one line, so a scenario starts exactly where the interesting part begins.

  @allure.label.story:session-close @allure.severity:critical
  Scenario: At the close a resting day order expires, and nothing else happens to alice
    Given the broker state from snapshot "before-close"
    When 2 minutes pass
    Then nothing changed since snapshot "before-close" except:
      | what           | from | to      |
      | alice's orders | new  | expired |
      | the clock      |      |         |
      | ACME price     |      |         |
    And alice holds 100 ACME
    And alice's cash is unchanged

  @allure.label.story:session-close
  Scenario: Before the close the day order is still resting
    Given the broker state from snapshot "before-close"
    When 30 seconds pass
    Then nothing changed since snapshot "before-close" except:
      | what       |
      | the clock  |
      | ACME price |
