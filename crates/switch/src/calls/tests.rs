use super::*;

#[test]
fn answers_follow_rfc_3264_directions() {
    use Direction::*;
    assert_eq!(answer_direction(SendOnly, SendRecv), RecvOnly);
    assert_eq!(answer_direction(RecvOnly, SendRecv), SendOnly);
    assert_eq!(answer_direction(Inactive, SendRecv), Inactive);
    assert_eq!(answer_direction(SendRecv, RecvOnly), RecvOnly);
    assert_eq!(answer_direction(SendOnly, SendOnly), Inactive);
}
