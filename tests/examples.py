"""One complete, realistic set of answers per shipped form template.

Each example passes strict validation at every workflow step of its kind,
against REFERENCE_DATES[template id] (the record's date). EXAMPLES holds each template's
current version's; EXAMPLES_BY_VERSION every shipped version's. The people and
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
    "return_to_work": date(2025, 3, 10),  # the first day back
    "attendance": date(2024, 9, 16),  # the informal meeting that opened the review
    "welfare_contact": date(2025, 2, 3),  # the contact, five weeks into the absence
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

RETURN_TO_WORK: dict[str, Any] = {
    "meeting_date": "2025-03-10",
    "absence_first_day": "2025-03-03",
    "absence_last_day": "2025-03-07",
    "absence_reason": "musculoskeletal",
    "fit_note": False,
    "employee_account": (
        "Sam hurt their back lifting a box of files at home on the Sunday and could not sit "
        "for long during the week. They saw their GP, who advised rest and stretches."
    ),
    "work_related": False,
    "fit_for_work": "fit_with_adjustments",
    "adjustments": (
        "A sit-stand desk, and a short break every hour for two weeks; no lifting of archive "
        "boxes until the review."
    ),
    "adjustments_review_date": "2025-03-24",
    "disability_related": False,
    "occupational_health_referral": True,
    "occupational_health_reason": "A workstation assessment and advice on lifting.",
    "support_offered": "The Employee Assistance Programme's physiotherapy line; Sam will try it.",
    "next_steps": "Check in at the weekly one-to-one.",
    "employee_comments": "Thank you for sorting the desk so quickly.",
}

WELFARE_CONTACT: dict[str, Any] = {
    "meeting_date": "2025-02-03",
    "contact_method": "phone",
    "contact_made_by": "Priya Shah, Team Manager",
    "employee_wellbeing": (
        "Sam is sleeping better since the change of medication and walks every day; still "
        "tired by the afternoon and not ready to talk about a date back."
    ),
    "return_discussed": "too_early",
    "support_discussed": (
        "The Employee Assistance Programme's counselling (Sam has had two sessions); a "
        "Mental Health First Aider's number; team news by email, as Sam asked."
    ),
    "occupational_health_referral": True,
    "occupational_health_reason": "When a phased return could start, and what would help it.",
    "next_contact_date": "2025-02-17",
    "notes": "Sam prefers a call on Monday mornings.",
    "employee_comments": "Thank you for keeping the calls short.",
}

ATTENDANCE: dict[str, Any] = {
    "stage": "closed_hearing",
    "concerns": (
        "Seven separate absences in twelve months (23 working days), mostly single Mondays "
        "and Fridays, from the return-to-work interviews held after each."
    ),
    "outcome": (
        "Attendance did not reach the level required after a final written warning. The "
        "final hearing extended the final written warning; the appeal did not change it."
    ),
    # Informal stage
    "meeting_date": "2024-09-16",
    "underlying_causes": (
        "Jo said migraines are worse during school holidays when caring for two children. "
        "Jo was reminded of the Employee Assistance Programme."
    ),
    "occupational_health_referral": True,
    "disability_considered": True,
    "reasonable_adjustments": "A monitor filter and a quiet desk away from the window.",
    "standards_expected": "No more than two separate absences in the next three months.",
    "support_offered": "Occupational health referral; flexible start times on school days.",
    "review_period_weeks": 12,
    "review_date": "2024-12-09",
    "informal_review_findings": "Three absences (5 working days) in the review period.",
    # Formal stage 1: first written warning (notice over Christmas)
    "first_warning_concerns_in_writing": (
        "Letter of 20 December 2024 with the absence record for January to December 2024."
    ),
    "first_warning_letter_date": "2024-12-20",
    "first_warning_meeting_date": "2025-01-06",
    "first_warning_companion": "colleague",
    "first_warning_companion_name": "Alex Moore, Team Leader",
    "first_warning_postponed": False,
    "first_warning_meeting_notes": "Jo said the migraine medication changed in November.",
    "first_warning_improvement_required": (
        "No more than two separate absences in the next six months."
    ),
    "first_warning_review_date": "2025-04-07",
    "first_warning_support": "A further occupational health review; flexible start times.",
    "first_warning_consequences": (
        "If attendance does not improve to the level required, a final written warning may follow."
    ),
    "first_warning_outcome_date": "2025-01-08",
    "first_warning_expiry_date": "2026-01-08",
    "first_warning_review_findings": "Four absences (6 working days) by April.",
    # Formal stage 2: final written warning (notice over Easter)
    "final_warning_concerns_in_writing": (
        "Letter of 14 April 2025 with the absence record for January to April 2025."
    ),
    "final_warning_letter_date": "2025-04-14",
    "final_warning_meeting_date": "2025-04-24",
    "final_warning_companion": "trade_union",
    "final_warning_companion_name": "Priya Shah, UNISON",
    "final_warning_postponed": False,
    "final_warning_meeting_notes": "Jo asked for the occupational health advice to be followed.",
    "final_warning_improvement_required": (
        "No more than two separate absences in the next six months."
    ),
    "final_warning_review_date": "2025-10-13",
    "final_warning_support": "Occupational health's advice followed; monthly check-ins.",
    "final_warning_consequences": (
        "If attendance does not improve to the level required, the case may go to a final "
        "hearing, which may lead to dismissal or action short of dismissal."
    ),
    "final_warning_outcome_date": "2025-04-28",
    "final_warning_expiry_date": "2026-04-28",
    "final_warning_review_findings": "Five absences (9 working days) between May and October.",
    # Final hearing
    "hearing_concerns_in_writing": (
        "Letter of 20 October 2025 with the full absence record and the earlier meetings' notes."
    ),
    "hearing_letter_date": "2025-10-20",
    "hearing_meeting_date": "2025-10-30",
    "hearing_companion": "trade_union",
    "hearing_companion_name": "Priya Shah, UNISON",
    "hearing_postponed": False,
    "hearing_meeting_notes": "Jo has started a new treatment that occupational health supports.",
    "hearing_chair": "Helen Ward, Head of Business Support",
    "hearing_decision": "extended_warning",
    "hearing_decision_reasons": (
        "The new treatment gives a fair prospect of improvement; dismissal now would be premature."
    ),
    "hearing_action_details": "The final written warning is extended to 30 April 2026.",
    "hearing_outcome_date": "2025-11-03",
    # Appeal
    "appeal_against": "hearing_decision",
    "appeal_lodged_date": "2025-11-06",
    "appeal_grounds": "Absences from migraines should be discounted as disability-related.",
    "appeal_heard_by": "Mark Ellis, Director of Corporate Resources",
    "appeal_manager_not_involved": True,
    "appeal_meeting_date": "2025-11-20",
    "appeal_outcome": "not_upheld",
    "appeal_outcome_reasons": (
        "Disability-related absences were already discounted before each stage; the "
        "extended warning stands."
    ),
    "appeal_outcome_date": "2025-11-24",
    "employee_comments": "I will keep occupational health informed of the new treatment.",
}

# --- version 2 (issue 19): the same records with what version 2 adds -------------------

SUPERVISION_V2: dict[str, Any] = {
    **SUPERVISION,
    "duration_minutes": 90,
    "social_work": "asye",
    "venue_and_privacy": "Meeting room 2 at County Hall, booked; phones on silent.",
    "disagreements": (
        "Either of us says so in the session and both views are written down. If we cannot "
        "agree, we ask Tom's service manager to help."
    ),
    "agreement_review_date": "2026-03-10",
    "case_decisions": [{**SUPERVISION["case_decisions"][0], "recorded_on_case_file": True}],
    "values_discussed": ["value_1", "value_3"],
    "values_examples": (
        "Aisha kept the family carer informed at every step of the AC-20417 review, and "
        "owned up to a missed call straight away."
    ),
    "registration_current": True,
    "cpd": (
        "Mental Capacity Act refresher; reflected on how it changed the AC-20533 assessment. "
        "Next: the safeguarding adults enquiries course in October."
    ),
    "cpd_recorded": True,
    "asye_week": 20,
    "asye_session_number": 12,
    "asye_sessions_missed": "None: every session went ahead as planned.",
    "asye_workload": "Eighteen cases, above the twelve agreed for the ASYE: two to reallocate.",
    "asye_workload_protected": False,
    "asye_development_time": "Half a day a week, used for the MCA course and ASYE reflective logs.",
    "asye_development_time_taken": True,
}

PROBATION_V2: dict[str, Any] = {
    **PROBATION,
    "probation_objectives": [
        {
            "objective": "Process supplier invoices independently",
            "standard": "Invoices processed within 5 working days, at most 1 error a month.",
            "agreed_date": "2025-02-10",
            "rating": "meeting",
            "evidence": "No errors in May or June; turnaround 3 days on average.",
        },
        {
            "objective": "Complete the finance systems training",
            "standard": "All three modules completed and the system used unaided.",
            "agreed_date": "2025-02-10",
            "rating": "meeting",
            "evidence": "Modules completed in April.",
        },
    ],
    "working_relationships_rating": "meeting",
    "working_relationships": "Works well with the payments team and suppliers; helps colleagues.",
}

# A probation not passed, decided by HR and appealed (version 2's appeal fields).
PROBATION_V2_FAILED: dict[str, Any] = {
    **{k: v for k, v in PROBATION_V2.items() if k not in ("outcome", "employee_comments")},
    "has_concerns": True,
    "concerns": "Invoices are still late and inaccurate despite the support given.",
    "consequences_explained": True,
    "outcome": "fail",
    "fail_reasons": "The invoice standard was not met at 8, 16 or 24 weeks.",
    "hr_meeting_date": "2025-08-04",
    "hr_decision": "end_employment",
    "hr_decision_reasons": "The standard was not met despite training and a buddy.",
    "hr_letter_date": "2025-08-06",
    "appeal_right_given": True,
    "appeal_lodged": True,
    "appeal_lodged_date": "2025-08-15",
    "appeal_grounds": "The buddy was off sick for six weeks of the probation.",
    "appeal_heard_by": "Anne Cole, Head of Finance",
    "appeal_meeting_date": "2025-08-28",
    "appeal_outcome": "not_upheld",
    "appeal_outcome_reasons": "Other support was given while the buddy was away.",
}

CAPABILITY_V2: dict[str, Any] = {
    **CAPABILITY,
    "improvement_note_note_taker": "Helen Brookes, HR Adviser",
    "final_warning_note_taker": "Helen Brookes, HR Adviser",
    "hearing_note_taker": "Raj Mistry, HR Business Partner",
    "appeal_note_taker": "Helen Brookes, HR Adviser",
}

# Each shipped (template id, version) and its example.
_BY_VERSION: dict[tuple[str, int], dict[str, Any]] = {
    ("apr", 1): APR,
    ("supervision", 1): SUPERVISION,
    ("probation", 1): PROBATION,
    ("capability", 1): CAPABILITY,
    ("supervision", 2): SUPERVISION_V2,
    ("probation", 2): PROBATION_V2,
    ("capability", 2): CAPABILITY_V2,
    ("return_to_work", 1): RETURN_TO_WORK,
    ("attendance", 1): ATTENDANCE,
    ("welfare_contact", 1): WELFARE_CONTACT,
}

# Each template's example: the current version's, but the APR's version 1 (most APRs in
# tests are v1 records; LATEST below holds the newest of every template).
EXAMPLES: dict[str, dict[str, Any]] = {
    "apr": APR,
    "supervision": SUPERVISION_V2,
    "probation": PROBATION_V2,
    "capability": CAPABILITY_V2,
    "return_to_work": RETURN_TO_WORK,
    "attendance": ATTENDANCE,
    "welfare_contact": WELFARE_CONTACT,
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

# Every shipped form version's example.
EXAMPLES_BY_VERSION: dict[tuple[str, int], dict[str, Any]] = {
    **_BY_VERSION,
    ("apr", 2): APR_V2,
}
# The example of each template's newest version: what a record started today is filled with.
LATEST: dict[str, dict[str, Any]] = {
    template_id: EXAMPLES_BY_VERSION[(template_id, version)]
    for template_id, version in sorted(EXAMPLES_BY_VERSION)
}
