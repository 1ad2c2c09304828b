"""One complete, realistic set of answers per shipped form template.

Each example passes strict validation at every workflow step of its kind,
against REFERENCE_DATES[template id] (the record's date). The people and
services are made up. Tests and demos may copy these; never mutate them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

REFERENCE_DATES: dict[str, date] = {
    "apr": date(2025, 5, 14),
    "supervision": date(2025, 9, 10),
    "probation": date(2025, 7, 21),  # 24 weeks after a start on 3 February 2025
    "capability": date(2024, 1, 15),  # the informal meeting that opened the case
}

APR: dict[str, Any] = {
    "meeting_date": "2025-05-14",
    "review_period": "April 2024 to March 2025",
    "previous_objectives": [
        {
            "objective": "Clear the backlog of blue badge applications older than six weeks",
            "evidence": (
                "The backlog went from 410 applications to 35 by October and has stayed under "
                "50 since. Weekly figures are in the team dashboard."
            ),
            "outcome": "met",
        },
        {
            "objective": "Move the team's appointment letters to email for people who agree",
            "evidence": (
                "Email letters went live in January for new applicants; the change for "
                "existing customers was paused while the system supplier fixed a bug."
            ),
            "outcome": "partly_met",
        },
        {
            "objective": "Complete the Level 3 Business Administration apprenticeship",
            "evidence": "End-point assessment moved to June by the training provider.",
            "outcome": "not_met",
        },
    ],
    "new_objectives": [
        {
            "objective": "Process new blue badge applications within 20 working days",
            "measure": "95% of applications each month, from the case management report",
            "target_date": "2026-03-31",
        },
        {
            "objective": "Finish moving existing customers to email letters",
            "measure": "All customers who agreed receive letters by email; paper costs halved",
            "target_date": "2025-12-19",
        },
        {
            "objective": "Complete the Level 3 Business Administration apprenticeship",
            "measure": "End-point assessment passed",
            "target_date": "2025-07-31",
        },
    ],
    "value_1_rating": "consistently_demonstrates",
    "value_1_evidence": "Took ownership of the backlog plan and reported progress every week.",
    "value_2_rating": "consistently_demonstrates",
    "value_2_evidence": "Treats callers with patience, including difficult calls about refusals.",
    "value_3_rating": "usually_demonstrates",
    "value_3_evidence": "Shares ideas in team meetings; could put them forward in writing more.",
    "value_4_rating": "usually_demonstrates",
    "value_4_evidence": "Helped two new starters learn the system without being asked.",
    "value_5_rating": "developing",
    "value_5_evidence": "Suggested the email letters; now needs to see the change through.",
    "values_discussion": (
        "Sam's strength is in how they treat customers and colleagues. We agreed Sam will lead "
        "the email letters work to build confidence in driving change."
    ),
    "overall_rating": "meets",
    "learning_needs": (
        "Finish the apprenticeship. Wants to understand the eligibility rules for hidden "
        "disabilities in more depth."
    ),
    "development_plan": (
        "Protected study time of half a day a week until the assessment. Learning Hub module "
        "on the Equality Act by September. Shadow the appeals officer for two days."
    ),
    "wellbeing_discussion": (
        "Sam works from home three days a week, which suits caring responsibilities. Busy "
        "during the backlog; says things are manageable now. Knows about the Employee "
        "Assistance Programme."
    ),
    "wellbeing_support": "Keep the current working pattern; check in at supervision.",
    "career_aspirations": (
        "Would like to become a team leader in two to three years. Interested in the Aspiring "
        "Managers Programme once the apprenticeship is finished."
    ),
    "programmes_of_interest": ["aspiring_managers"],
    "manager_comments": (
        "A good year: the backlog work made a real difference to residents waiting for a "
        "badge. Thank you, Sam."
    ),
    "employee_comments": "Thank you for the support with the apprenticeship.",
    "employee_response": "agree",
}

SUPERVISION: dict[str, Any] = {
    "meeting_date": "2025-09-10",
    "duration_minutes": 60,
    "attendees": "Aisha Patel (social worker) and Tom Hughes (team manager)",
    "supervision_type": "planned",
    "agreement_status": "changed",
    "agreed_frequency": "fortnightly",
    "confidentiality": (
        "What we discuss stays between us and HR, except where there is a safeguarding "
        "concern, a risk to anyone's health or safety, or possible misconduct."
    ),
    "records_kept": "In LCC APR; seen by Aisha, Tom and HR",
    "agreement_notes": "Moved from every 4 weeks to every 2 while Aisha's caseload is high.",
    "previous_actions": [
        {
            "action": "Book the Mental Capacity Act refresher",
            "owner": "Aisha Patel",
            "due_date": "2025-08-29",
            "status": "done",
        },
        {
            "action": "Write up the review for case ref. AC-20417",
            "owner": "Aisha Patel",
            "due_date": "2025-09-05",
            "status": "carried_forward",
            "update": "Waiting for the occupational therapy report.",
        },
        {
            "action": "Ask the business support team about the duty rota",
            "owner": "Tom Hughes",
            "due_date": "2025-08-22",
            "status": "dropped",
            "update": "The rota changed anyway after the restructure.",
        },
    ],
    "workload": (
        "Eighteen open cases, above the team average of fourteen. Agreed no new allocations "
        "for two weeks; priority is the two reviews due this month."
    ),
    "performance": "Case recording is up to date; good feedback from a family carer.",
    "case_discussion": (
        "AC-20417: discussed the increase in care hours. AC-20533: discussed whether a "
        "safeguarding enquiry is needed after the concern raised by the GP."
    ),
    "case_decisions": [
        {
            "case_reference": "AC-20533",
            "decision": "Raise a safeguarding concern today and tell the person's daughter.",
            "rationale": "The bruising is unexplained and the person cannot protect themselves.",
        },
    ],
    "wellbeing_check_in": (
        "Aisha feels stretched but supported. Sleeping better since the caseload was capped."
    ),
    "keeping_in_touch": "Team call on Monday mornings; message Tom on Teams any time.",
    "support_agreed": "No new allocations for two weeks.",
    "learning": "Completed the Mental Capacity Act refresher on the Learning Hub.",
    "reflection": (
        "Reflected on the AC-20533 visit: next time Aisha will check who else is involved "
        "before the first visit."
    ),
    "new_actions": [
        {
            "action": "Write up the review for case ref. AC-20417",
            "owner": "Aisha Patel",
            "due_date": "2025-09-19",
            "carried_forward": True,
        },
        {
            "action": "Raise the safeguarding concern for AC-20533",
            "owner": "Aisha Patel",
            "due_date": "2025-09-10",
            "carried_forward": False,
        },
        {
            "action": "Review allocations at the team meeting",
            "owner": "Tom Hughes",
            "due_date": "2025-09-24",
            "carried_forward": False,
        },
    ],
    "escalations": "Raised the team's caseload levels with the service manager.",
    "next_supervision_date": "2025-09-24",
    "employee_comments": "Helpful session, thank you.",
}

PROBATION: dict[str, Any] = {
    "review_point_weeks": 24,
    "meeting_date": "2025-07-21",
    "is_final_review": True,
    "quality_of_work_rating": "meeting",
    "quality_of_work": "Invoices are accurate; only two corrections since the 16-week review.",
    "conduct_rating": "meeting",
    "conduct": "Punctual and professional with suppliers and colleagues.",
    "attendance_rating": "meeting",
    "attendance": "One day of sickness absence in March.",
    "values_and_behaviours_rating": "meeting",
    "values_and_behaviours": "Asks for help when unsure and offers it to others.",
    "progress": (
        "Induction checklist and mandatory modules complete. Now processes supplier payments "
        "without checking."
    ),
    "areas_to_improve": "None at this stage.",
    "support": "Monthly supervision from now on; a place on the Excel intermediate course.",
    "reasonable_adjustments": "None needed or asked for.",
    "has_concerns": False,
    "outcome": "pass",
    "manager_comments": "Jordan has settled in well; welcome to the team.",
    "employee_comments": "I have enjoyed my first six months.",
}

CAPABILITY: dict[str, Any] = {
    "stage": "closed_hearing",
    "concerns": (
        "Highways inspection reports are late (eleven of twenty in November and December "
        "2023) and four contained errors that sent crews to the wrong location."
    ),
    "outcome": (
        "Standards not met after a final written warning. The final hearing decided on "
        "dismissal; on appeal this was changed to redeployment to a suitable role."
    ),
    # Informal stage
    "meeting_date": "2024-01-15",
    "underlying_causes": (
        "Chris said the new inspection app is hard to use on site. No health concerns were "
        "raised; Chris was reminded of the Employee Assistance Programme."
    ),
    "occupational_health_referral": False,
    "reasonable_adjustments": "None needed or asked for.",
    "standards_expected": (
        "Inspection reports submitted within two working days, with the correct location "
        "and defect category."
    ),
    "employee_actions": "Complete the app training; check each report before submitting.",
    "support_offered": "Training on the app, a buddy for site visits, weekly check-ins.",
    "review_period_weeks": 8,
    "review_date": "2024-03-11",
    "informal_review_findings": (
        "Seven of twenty reports late and two with errors: some improvement, standard not met."
    ),
    # Formal stage 1
    "improvement_note_concerns_in_writing": (
        "Letter of 18 March 2024 with the report log for January to March and the two "
        "reports containing errors."
    ),
    "improvement_note_letter_date": "2024-03-18",
    "improvement_note_meeting_date": "2024-03-26",
    "improvement_note_companion": "trade_union",
    "improvement_note_companion_name": "Priya Shah, UNISON",
    "improvement_note_postponed": False,
    "improvement_note_meeting_notes": (
        "Chris accepted the reports were late and said site visits take longer in winter. "
        "Priya asked for the route plan to be reviewed."
    ),
    "improvement_note_improvement_required": (
        "All reports within two working days and no location errors."
    ),
    "improvement_note_review_date": "2024-06-27",
    "improvement_note_support": "Route plan reviewed; fortnightly supervision; app refresher.",
    "improvement_note_consequences": (
        "If the improvement is not made and kept up, a final written warning may follow."
    ),
    "improvement_note_outcome_date": "2024-03-28",
    "improvement_note_expiry_date": "2024-09-28",
    "improvement_note_review_findings": "Five late reports and one location error in June.",
    # Formal stage 2
    "final_warning_concerns_in_writing": (
        "Letter of 1 July 2024 with the report log for April to June and the review notes."
    ),
    "final_warning_letter_date": "2024-07-01",
    "final_warning_meeting_date": "2024-07-09",
    "final_warning_companion": "trade_union",
    "final_warning_companion_name": "Priya Shah, UNISON",
    "final_warning_postponed": True,
    "final_warning_new_meeting_date": "2024-07-15",
    "final_warning_meeting_notes": "Chris said the workload in June was unusually high.",
    "final_warning_improvement_required": (
        "All reports within two working days and no location errors."
    ),
    "final_warning_review_date": "2024-10-16",
    "final_warning_support": "Workload capped at the team average; weekly supervision.",
    "final_warning_consequences": (
        "If the improvement is not made and kept up, the case may go to a final hearing, which "
        "may lead to dismissal or action short of dismissal such as redeployment."
    ),
    "final_warning_outcome_date": "2024-07-17",
    "final_warning_expiry_date": "2025-07-17",
    "final_warning_review_findings": "Nine late reports between July and October.",
    # Final hearing
    "hearing_concerns_in_writing": (
        "Letter of 23 October 2024 with the full report log and the notes of all earlier meetings."
    ),
    "hearing_letter_date": "2024-10-23",
    "hearing_meeting_date": "2024-11-04",
    "hearing_companion": "trade_union",
    "hearing_companion_name": "Priya Shah, UNISON",
    "hearing_postponed": False,
    "hearing_meeting_notes": (
        "Chris asked to be considered for office-based work. Priya pointed to the earlier "
        "improvement."
    ),
    "hearing_chair": "Helen Ward, Head of Highways Operations",
    "hearing_decision": "dismissal",
    "hearing_decision_reasons": (
        "The standard was not met despite support over ten months. Redeployment was "
        "considered but no suitable role was vacant at the time."
    ),
    "hearing_last_day": "2025-01-31",
    "hearing_outcome_date": "2024-11-06",
    # Appeal
    "appeal_against": "hearing_decision",
    "appeal_lodged_date": "2024-11-12",
    "appeal_grounds": "A suitable office-based role was advertised the week after the hearing.",
    "appeal_heard_by": "Mark Ellis, Director of Environment and Transport",
    "appeal_manager_not_involved": True,
    "appeal_meeting_date": "2024-11-26",
    "appeal_companion_name": "Priya Shah, UNISON",
    "appeal_outcome": "partly_upheld",
    "appeal_outcome_reasons": (
        "The capability finding stands, but dismissal is replaced by redeployment to the "
        "highways records officer role from 6 January 2025, with a trial period of 4 weeks."
    ),
    "appeal_outcome_date": "2024-11-28",
    "employee_comments": "I am grateful the appeal looked again at redeployment.",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "apr": APR,
    "supervision": SUPERVISION,
    "probation": PROBATION,
    "capability": CAPABILITY,
}

# Version 2 of the APR form (issue 19): no free-text period (the PDF prints the cycle),
# each new objective's plan, the employee's self-assessment; the mid-year review comes
# after sign-off (APR_V2_MID_YEAR).
PLANS = (
    "Adults and Communities service plan 2025/26, priority 2: timely assessments",
    "Customer Services team plan 2025/26: digital by default",
    "Customer Services team plan 2025/26: a skilled, stable team",
)
APR_V2: dict[str, Any] = {
    **{k: v for k, v in APR.items() if k != "review_period"},
    "new_objectives": [
        {**o, "plan_link": plan} for o, plan in zip(APR["new_objectives"], PLANS, strict=True)
    ],
    "self_achievements": (
        "Clearing the blue badge backlog: residents now wait under four weeks, and the "
        "weekly figures are on the team dashboard."
    ),
    "self_objectives": "Backlog met; email letters half done; the apprenticeship moved to June.",
    "self_challenges": "The supplier's bug held up the email letters for two months.",
    "self_development": "Finish the apprenticeship, then the Aspiring Managers Programme.",
    "self_support": "Protected study time until the end-point assessment.",
}
APR_V2_MID_YEAR: dict[str, Any] = {
    "mid_year_date": "2025-11-12",
    "mid_year_progress": [
        {"objective": o["objective"], "progress": p}
        for o, p in zip(APR["new_objectives"], ("on_track", "at_risk", "achieved"), strict=True)
    ],
    "mid_year_notes": "Good progress; the email letters need the supplier's fix by January.",
}

# Examples by form version: EXAMPLES are version 1's (records in tests are mostly v1).
EXAMPLES_BY_VERSION: dict[tuple[str, int], dict[str, Any]] = {
    **{(template_id, 1): answers for template_id, answers in EXAMPLES.items()},
    ("apr", 2): APR_V2,
}
# The example of each template's newest version: what a record started today is filled with.
LATEST: dict[str, dict[str, Any]] = {
    template_id: EXAMPLES_BY_VERSION[(template_id, version)]
    for template_id, version in sorted(EXAMPLES_BY_VERSION)
}
